"""infra/network.yaml, the opt-in fixed egress IP (`make deploy EGRESS=fixed`): created in moto's CloudFormation
and read back through deploy.py's own network step; plus what moto does not model (security group rules, subnet
route table associations), checked on the template itself."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode

from infra import deploy

TEMPLATE = deploy.INFRA / "network.yaml"
REGION = "us-east-1"  # the session moto's region (tests/conftest.py)


def _template() -> dict[str, Any]:
    template, problems = decode(str(TEMPLATE))
    assert not problems and template is not None, problems
    return dict(template)


def _create_in_moto(stage: str, azs: int) -> deploy.Network:
    """Create the stack as deploy does (same template, same parameters), then run deploy.deploy_network with a
    dry-run Runner that answers `describe-stacks` with moto's real answer."""
    stack = deploy.stack_names(stage)["network"]
    cfn = boto3.client("cloudformation", region_name=REGION)
    params = deploy.network_parameters(stage, azs)
    cfn.create_stack(
        StackName=stack,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
    )
    described = cfn.describe_stacks(StackName=stack)
    assert described["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    answer = json.dumps(described, default=str)
    run = deploy.Runner(dry_run=True, canned={f"aws cloudformation describe-stacks --stack-name {stack}": answer})
    network = deploy.deploy_network(run, stage, azs)
    (deployed,) = [c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"]]
    assert deployed[deployed.index("--stack-name") + 1] == stack
    assert deployed[deployed.index("--template-file") + 1] == str(TEMPLATE)
    assert f"AzCount={azs}" in deployed and f"Stage={stage}" in deployed
    return network


@pytest.mark.parametrize("azs", [2, 1])
def test_network_stack_in_moto_gives_deploy_subnets_security_group_and_elastic_ips(
    aws: dict[str, str], azs: int
) -> None:
    # GIVEN the network stack created in moto WHEN deploy reads its outputs
    network = _create_in_moto(f"egress{azs}", azs)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = [{"Name": "vpc-id", "Values": [network.vpc_id]}]

    # THEN the private subnets and the security group are in the VPC, one subnet per zone
    subnets = ec2.describe_subnets(SubnetIds=list(network.subnet_ids))["Subnets"]
    assert len(subnets) == azs and {s["VpcId"] for s in subnets} == {network.vpc_id}
    assert len({s["AvailabilityZone"] for s in subnets}) == azs
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)
    (group,) = ec2.describe_security_groups(GroupIds=[network.security_group_id])["SecurityGroups"]
    assert group["VpcId"] == network.vpc_id and group["IpPermissions"] == []

    # AND one NAT gateway per zone, outside the private subnets, each holding one of the published Elastic IPs
    nats = ec2.describe_nat_gateways(Filters=vpc)["NatGateways"]
    assert len(nats) == azs and {n["State"] for n in nats} == {"available"}
    assert not {n["SubnetId"] for n in nats} & set(network.subnet_ids)
    assert sorted(a["PublicIp"] for n in nats for a in n["NatGatewayAddresses"]) == list(network.egress_ips)
    elastic = ec2.describe_addresses(PublicIps=list(network.egress_ips))["Addresses"]
    assert {a["Domain"] for a in elastic} == {"vpc"} and len(elastic) == azs
    assert network.egress_id == "eip-" + "+".join(network.egress_ips)

    # AND each private route table sends the internet to its own NAT gateway, the public one to the internet gateway
    tables = ec2.describe_route_tables(Filters=vpc)["RouteTables"]
    default_routes = [r for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    private = {t["RouteTableId"] for t in tables for r in t["Routes"] if r.get("NatGatewayId")}
    assert sorted(r["NatGatewayId"] for r in default_routes if "NatGatewayId" in r) == sorted(
        n["NatGatewayId"] for n in nats
    )
    assert [r["GatewayId"] for r in default_routes if "NatGatewayId" not in r] == [
        g["InternetGatewayId"]
        for g in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [network.vpc_id]}])[
            "InternetGateways"
        ]
    ]

    # AND DynamoDB and S3 are reached through gateway endpoints on exactly the private route tables
    endpoints = ec2.describe_vpc_endpoints(Filters=vpc)["VpcEndpoints"]
    assert {e["ServiceName"] for e in endpoints} == {f"com.amazonaws.{REGION}.dynamodb", f"com.amazonaws.{REGION}.s3"}
    for endpoint in endpoints:
        assert endpoint["VpcEndpointType"] == "Gateway" and set(endpoint["RouteTableIds"]) == private


def test_the_lambda_security_group_allows_only_https_out() -> None:
    # moto's CloudFormation ignores SecurityGroupEgress, so the rules are checked on the template
    props = _template()["Resources"]["LambdaSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in props
    assert [dict(rule) for rule in props["SecurityGroupEgress"]] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
         "Description": "HTTPS to Binance and AWS APIs"}]  # fmt: skip


@pytest.mark.parametrize("zone", ["A", "B"])
def test_each_private_subnet_leaves_through_the_nat_gateway_of_its_own_zone(zone: str) -> None:
    # moto does not report route table associations, so the wiring is checked on the template
    resources = _template()["Resources"]

    def ref(value: Any) -> str:
        return str(value["Ref"])

    association = resources[f"PrivateSubnet{zone}Routes"]["Properties"]
    assert ref(association["SubnetId"]) == f"PrivateSubnet{zone}"
    assert ref(association["RouteTableId"]) == f"PrivateRouteTable{zone}"
    route = resources[f"PrivateDefaultRoute{zone}"]["Properties"]
    assert ref(route["RouteTableId"]) == f"PrivateRouteTable{zone}" and route["DestinationCidrBlock"] == "0.0.0.0/0"
    nat = resources[ref(route["NatGatewayId"])]["Properties"]
    assert ref(nat["SubnetId"]) == f"PublicSubnet{zone}"
    assert nat["AllocationId"]["Fn::GetAtt"] == [f"EgressIp{zone}", "AllocationId"]
    public = resources[f"PublicSubnet{zone}Routes"]["Properties"]
    assert ref(public["RouteTableId"]) == "PublicRouteTable"
    private_az = resources[f"PrivateSubnet{zone}"]["Properties"]["AvailabilityZone"]
    assert private_az == resources[f"PublicSubnet{zone}"]["Properties"]["AvailabilityZone"]
    assert {"PrivateSubnetB", "NatGatewayB", "EgressIpB"} <= {
        name for name, res in resources.items() if res.get("Condition") == "TwoAzs"
    }


def test_network_outputs_that_deploy_cannot_use_are_refused() -> None:
    good = {"VpcId": "vpc-1", "PrivateSubnetIds": "subnet-a, subnet-b", "LambdaSecurityGroupId": "sg-1",
            "EgressIps": "198.51.100.7,203.0.113.10"}  # fmt: skip
    network = deploy.network_from_outputs(good)
    assert network.subnet_ids == ("subnet-a", "subnet-b") and network.egress_ips == ("198.51.100.7", "203.0.113.10")
    with pytest.raises(ValueError, match="LambdaSecurityGroupId"):
        deploy.network_from_outputs({k: v for k, v in good.items() if k != "LambdaSecurityGroupId"})
    with pytest.raises(ValueError, match="one Elastic IP per private subnet"):
        deploy.network_from_outputs({**good, "EgressIps": "203.0.113.10"})
    with pytest.raises(ValueError, match="1 or 2"):
        deploy.network_parameters("prod", 3)
